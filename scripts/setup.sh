#!/usr/bin/env bash
# One-command set-up: the CPU torch wheel when torch is missing, the package with dev tools,
# and Chromium for the catalog page's browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import torch" 2>/dev/null || pip install torch==2.13.0
pip install -e ".[dev]"
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: chromium not installed; browser test will skip"
fi
