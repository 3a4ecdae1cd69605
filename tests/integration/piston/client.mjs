// Drives coderunner's Piston v2 routes with the real npm piston-client
// package (installed by test_piston.py into a temporary folder given as
// NODE_PATH's parent: this script is copied there).  The server URL
// carries basic auth, as a Piston deployment behind a password would.
// Prints one JSON object: what each call returned.
import piston from "piston-client";

const client = piston({ server: process.env.PISTON_URL });
const out = {};
out.runtimes = await client.runtimes();
out.python = await client.execute("python",
    "import sys\nprint(input()[::-1], sys.argv[1:])", { stdin: "abc" });
out.cpp = await client.execute("c++",
    "#include <iostream>\nint main(){std::cout<<6*7<<std::endl;return 3;}");
out.compile_error = await client.execute("c", "int main( {");
out.timeout = await client.execute("python", "while True: pass",
    { runTimeout: 1000 });
out.unknown = await client.execute("cobol", "DISPLAY 'HI'.");
console.log(JSON.stringify(out));
