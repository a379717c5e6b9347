"""tally.py -- the count the check_*.py scripts keep: check(cond, what)
counts a promise kept or prints "FAIL: what"; summary() prints the
"N passed, N failed" line run.sh reads last."""

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def summary():
    print(f"{passed} passed, {failed} failed")
