"""The session's stack keeps its data where CODERUNNER_TEST_STORE says: the
run dir's SQLite file (default), or the throwaway PostgreSQL cluster's
database (`make test-pg`).  Without this, a suite meant to run against
PostgreSQL could pass on SQLite unnoticed."""

import os
import sqlite3


def test_submissions_land_in_the_chosen_store(stack, request):
    r = stack.submit({"language": "python3", "source_code": "print(1)"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    if os.environ.get("CODERUNNER_TEST_STORE") == "postgresql":
        pg = request.getfixturevalue("pg_cluster")
        n = pg.psql("SELECT count(*) FROM coderunner.submissions "
                    f"WHERE token = '{token}'", db="coderunner_stack")
        assert n.strip() == "1", n
        assert not os.path.exists(stack.db_path)
    else:
        db = sqlite3.connect(f"file:{stack.db_path}?mode=ro", uri=True)
        try:
            (n,), = db.execute("SELECT count(*) FROM submissions "
                               "WHERE token = ?", (token,))
        finally:
            db.close()
        assert n == 1
