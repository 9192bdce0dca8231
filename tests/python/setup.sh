#!/usr/bin/env bash
# Creates tests/python/.venv (Debian's python3 with python3-venv) and installs the exact
# pins of requirements.txt as wheels from PyPI. Skips pip when the venv was installed from
# this very requirements.txt (a stamp file) and still imports the client.
set -euo pipefail
cd "$(dirname "$0")"
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3)
venv=.venv
stamp=$venv/.samsa-requirements.txt
if [[ -x $venv/bin/python ]] && cmp -s requirements.txt "$stamp" \
   && "$venv/bin/python" -c 'import confluent_kafka, pytest' 2>/dev/null; then
  echo "tests/python/setup.sh: $venv is up to date"
  exit 0
fi
rm -rf "$venv"
"$py" -m venv "$venv"
# The machine's pip config may add local find-links; these pins come from the index only.
PIP_FIND_LINKS= "$venv/bin/pip" install --disable-pip-version-check --no-input -q \
  --only-binary=:all: -r requirements.txt
"$venv/bin/python" -c "import confluent_kafka as c, importlib.metadata as m; print('tests/python/setup.sh: confluent-kafka', m.version('confluent-kafka'), 'librdkafka', c.libversion()[0])"
cp requirements.txt "$stamp"
