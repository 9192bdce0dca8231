#!/usr/bin/env bash
# One ctest entry of the Python family: runs one pytest node id (a test, or a
# parametrized group) of tests/python in tests/python/.venv (built by setup.sh) against
# $SAMSA_BINARY. Exits 77 (ctest: skipped) when the venv is missing, or when every
# selected test was skipped (a samsa finding marked with pytest.mark.skip).
#   tests/python/run-test.sh test_file.py::test_name
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=$here/.venv/bin/python
if [[ ! -x $py ]] || ! cmp -s "$here/requirements.txt" "$here/.venv/.samsa-requirements.txt"; then
  echo "run-test.sh: $here/.venv is not set up; run tests/python/setup.sh" >&2
  exit 77
fi
if [[ -z ${SAMSA_BINARY:-} ]]; then
  echo "run-test.sh: SAMSA_BINARY is not set" >&2
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$here"
PYTHONDONTWRITEBYTECODE=1 PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 "$py" -m pytest -p no:cacheprovider -v -rs --durations=0 "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^=+ .* in [0-9.]+s' "$out" | tail -n 1)
if [[ $rc == 0 ]] && [[ $summary == *" skipped"* ]] && [[ $summary != *" passed"* ]]; then
  exit 77
fi
exit "$rc"
