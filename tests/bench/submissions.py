"""What the bench scripts submit, how they say a run broke, and the stack
they run on."""

import sys

from conftest import own_stack

PY = {"language": "python3", "source_code": "print(1)",
      "expected_output": "1"}
C = {"language": "c", "source_code":
     '#include <stdio.h>\nint main(void){ puts("1"); return 0; }\n',
     "expected_output": "1"}


class Broken(Exception):
    """A broken run (an error answer, a wrong verdict): the bench exits
    non-zero, which it never does because a number is slow."""


def on_own_stack(name, body, broken=(Broken,)):
    """body(stack) on a started stack of its own (conftest.own_stack).
    Returns what body returns, or None once it has said why on stderr:
    the stack did not start, or body raised one of broken (the service's
    logs follow)."""
    try:
        with own_stack(name, {}) as stack:
            try:
                return body(stack)
            except broken as e:
                print(f"{name}: broken run: {e}", file=sys.stderr)
                print(stack.logs(), file=sys.stderr)
                return None
    except RuntimeError as e:           # the stack did not start
        print(f"{name}: broken run: {e}", file=sys.stderr)
        return None
