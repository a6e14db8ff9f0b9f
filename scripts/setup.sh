#!/usr/bin/env bash
# Installs everything budgetqa needs on a fresh Debian 12 machine (run as root): the system
# packages (LibreOffice, CJK fonts, Chromium, PostgreSQL, poppler) and the Python venv in .venv.
# Re-running is fast and changes nothing: apt runs only for missing packages, pip only when
# pyproject.toml or requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk chromium
                 postgresql poppler-utils)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv

stamp=.venv/.budgetqa-installed
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -c requirements.lock -e '.[dev,deploy]'; } >"$log" 2>&1; then
    tail -40 "$log"; echo "setup: pip install failed (full log: $log)" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv/bin/budgetqa)"
