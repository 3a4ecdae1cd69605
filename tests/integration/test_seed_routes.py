"""The small runners' routes held to their own documentation (the
request and answer each runner documents, as listed in issue "The whole
API": /code, /submissions/new, /api/execute with /api/languages and
/api/health, /run with /status/{id}, /execute), through real nginx.
test_compat.py checks the mapping of each; these check what a client of
that runner relies on.
"""

# The names /api/execute's runner documents for "language", in its order.
API_EXECUTE_NAMES = ["python", "javascript", "typescript", "java", "cpp",
                     "c", "go", "html", "css"]

HELLO = {
    "python": "print('hi')",
    "javascript": "console.log('hi')",
    "typescript": "const s: string = 'hi'; console.log(s);",
    "java": "public class Main { public static void main(String[] a) "
            "{ System.out.println(\"hi\"); } }",
    "cpp": "#include <iostream>\nint main() { std::cout << \"hi\\n\"; }",
    "c": "#include <stdio.h>\nint main(void) { puts(\"hi\"); }",
    "go": "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hi\") }",
    "html": "hi\n",
    "css": "hi\n",
}


def test_api_languages_lists_the_names_api_execute_documents(stack):
    r = stack.get("/api/languages")
    assert r.status_code == 200, r.text
    names = r.json()["languages"]
    # its own names, in its order, those that run here (all of them under
    # make test, which installs every toolchain)
    assert names == [n for n in API_EXECUTE_NAMES if n in names]
    assert {"python", "javascript", "cpp", "c"} <= set(names)
    assert "python3" not in names
    # and each one is what /api/execute takes back
    for name in names:
        r = stack.post("/api/execute", json={"code": HELLO[name],
                                             "language": name, "input": ""})
        assert r.status_code == 200, (name, r.text)
        assert r.json()["stdout"] == "hi\n", (name, r.json())
        assert r.json()["exitCode"] == 0, (name, r.json())


def test_execute_verdicts_are_the_documented_ones(stack):
    """POST /execute documents AC WA TLE MLE RE CE: output over the limit
    is a runtime error there, not a seventh verdict."""
    r = stack.post("/execute", json={
        "selectedLanguage": "python",
        "userCode": "import sys\nwhile True: sys.stdout.write('x' * 4096)"})
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "RE", r.json()
    assert r.json()["success"] is False
