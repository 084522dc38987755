# Sourced by the benchmark scripts: a private virtual environment with the Python clients of
# Navarch's APIs (the same pins as scripts/test.sh), in $venv.
venv=.build/python-clients
if ! "$venv/bin/python" -c "import grpc, grpc_tools, schemathesis, mcp" >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "grpcio==1.85.3" "grpcio-tools==1.85.1" "schemathesis==4.32.5" "mcp==2.3.0"
fi
