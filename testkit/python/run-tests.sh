#!/usr/bin/env bash
# pytest-samsa's own tests, in tests/python's venv (tests/python/setup.sh; it has pytest
# and confluent-kafka), with the plugin loaded from src/ as `-p pytest_samsa.plugin`.
# Exits 77 (ctest: skipped) when the venv is missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=$here/../../tests/python/.venv/bin/python
if [[ ! -x $py ]]; then
  echo "run-tests.sh: tests/python/.venv is missing; run tests/python/setup.sh" >&2
  exit 77
fi
cd "$here"
PYTHONDONTWRITEBYTECODE=1 PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 PYTHONPATH="$here/src" \
  "$py" -m pytest -p no:cacheprovider -p pytest_samsa.plugin -v -rs tests "$@"
