"""The PostgreSQL backend end to end.

The session's throwaway cluster (tests/pgcluster.py, fixture pg_cluster)
is checked first: the tests must never reach a PostgreSQL other than
their own.
"""

import os
import subprocess


def test_cluster_is_private(pg_cluster):
    """Unix socket only, in the cluster's own directory; not root's."""
    assert pg_cluster.psql("SHOW listen_addresses").strip() == ""
    assert pg_cluster.psql("SHOW unix_socket_directories").strip() == \
        pg_cluster.dir
    st = os.stat(pg_cluster.data)
    assert st.st_uid != 0 and st.st_mode & 0o077 == 0
    r = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-U", "postgres",
                        "-c", "SELECT 1"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    assert r.returncode != 0, "the test cluster must not listen on TCP"
