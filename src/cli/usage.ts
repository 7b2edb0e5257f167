export const USAGE = `studio-mcp — an MCP server that makes films

  studio-mcp                        serve MCP on stdio (what MCP clients run)
  studio-mcp --http [--port N]      serve Streamable HTTP on 127.0.0.1:N/mcp (default 3917, or STUDIO_HTTP_PORT)
                                    and the storyboard web page on 127.0.0.1:N/studio/; --host ADDR (or STUDIO_HTTP_HOST)
                                    binds another address (needs STUDIO_HTTP_TOKEN off loopback)
  studio-mcp [--http …] --no-work   with STUDIO_REDIS_URL: queue provider jobs and renders for workers, run none here
  studio-mcp worker [--role provider|render|all] [--concurrency N]
                                    with STUDIO_REDIS_URL: run queued work (no MCP front end): provider jobs,
                                    renders, or both (default all); N at once per provider here (each
                                    provider's limit holds across all); --role render: N renders at once here
                                    (default 1; STUDIO_RENDER_CONCURRENCY across all)

  studio-mcp tools [--json]         list the tools
  studio-mcp models [--type video|image|voice] [--json]
                                    list the models, whether each can run here and why not
  studio-mcp call <tool> [--arg key=value …] [--json file|-]
                                    call any tool; values are JSON when they parse, else strings;
                                    prints the result JSON (exit 1 and {"error": …} on a tool error)
  studio-mcp doctor [--json]        check ffmpeg/ffprobe, the data folder, provider keys and base URLs
  studio-mcp doctor --live [--yes]  also make one cheap paid call per configured provider (asks first) and check the replies
  studio-mcp run <plan.json|plan.yaml> [--check] [--json] [--concurrency N] [--yes]
                                    make a film from a plan; re-runs reuse finished work
                                    (--check: validate and estimate only; --yes: confirm paid
                                    calls that STUDIO_CONFIRM_USD asks about)
  studio-mcp open <scene_id|film_id> [--port N] [--with-token]
                                    print the storyboard page's address on the --http server
                                    (--with-token: include STUDIO_HTTP_TOKEN in it; it is a secret)
  studio-mcp migrate --to <postgres url> [--s3-bucket <bucket>] [--from <studio folder>] [--json]
                                    copy an embedded studio (default STUDIO_HOME) into Postgres and, with
                                    --s3-bucket, its files into S3 (AWS_* variables, STUDIO_S3_PREFIX); every file's
                                    sha256 verified; refuses a target holding another studio; a re-run resumes

Environment: STUDIO_HOME (data folder, default ./studio-data), STUDIO_ALLOWED_DIRS, provider keys (see README);
STUDIO_DATABASE_URL (Postgres), STUDIO_REDIS_URL (shared job and render queues) to run on many machines.
Exit codes: 0 ok, 1 failed (tool error, refused plan, failed shot, doctor problem), 2 wrong usage.`;
