/** The text of `streamforge --help`. */
export const USAGE = `streamforge: the terminal client of a StreamForge server

Usage:
  streamforge chat "<question>" [--url URL] [--model ID] [--conversation ID] [--token T] [--json]
  streamforge ingest <files...> [--url URL] [--token T]
  streamforge serve [--port N] [--host H]
  streamforge help | --help | --version

Commands:
  chat     Ask a question and stream the answer: text as it arrives, tables and cards drawn as
           they fill, then the sources. Progress goes to stderr: a spinner on a terminal,
           otherwise one line per finished step ("completed: Answer complete").
  ingest   Upload and index files; prints one line per file: indexed, duplicate or rejected.
  serve    Start the server as \`npm start\` does; prints "StreamForge listening on <url>".

Options:
  --url URL           Server address (default: $STREAMFORGE_URL, else http://127.0.0.1:8000)
  --token T           Bearer token, an API key or a JWT (default: $STREAMFORGE_TOKEN)
  --model ID          Model, e.g. local or openai:gpt-4o-mini (default: the server's)
  --conversation ID   Continue this conversation
  --json              Print the final message state as JSON instead of rendering it
  --port N            serve: port to listen on, 0 for any free one (default: $PORT, else 8000)
  --host H            serve: interface to listen on (default: $HOST, else 127.0.0.1)
  -h, --help          Show this help
  -v, --version       Show the version

Exit codes:
  0    done: the answer is complete; ingest: no file was rejected; serve: shut down cleanly
  1    the run ended failed or cancelled; ingest: a file was rejected; serve: could not start
  2    usage error: unknown command or option, missing question or file
  3    the server refused the request (prints "error <code>: <message>")
  4    the server could not be reached
  130  interrupted by Ctrl-C (chat: after cancelling the run on the server)
`;
