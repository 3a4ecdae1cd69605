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
// Piston's own Java runs any class name (the JDK's source launcher)
out.java = await client.execute("java",
    "public class Greeter {\n  public static void main(String[] a) {\n" +
    "    System.out.println(\"hello \" + String.join(\"|\", a));\n  }\n}\n",
    { args: ["one two", "three"], runTimeout: 10000 });
// argv words with blanks, quotes and an empty one, as they are
out.args = await client.execute("python",
    "import sys\nprint(sys.argv[1:])", { args: ["a b", "", "c'd", "$(id)"] });
// stderr over the output limit: Piston says EL (stdout: OL)
out.stderr_flood = await client.execute("python",
    "import sys\nsys.stderr.write('x' * 300000)");
out.stdout_flood = await client.execute("python",
    "print('y' * 300000)");
console.log(JSON.stringify(out));
