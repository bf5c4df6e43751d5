"""Runs many `ansible-inventory` command lines in one Python process (the test oracle, batched).

Importing Ansible costs about half a second per process; the property tests compare hundreds of
generated inventories, so they send every command line here at once. Each one runs through
Ansible's own InventoryCLI exactly as the `ansible-inventory` program runs it; the process-wide
caches Ansible keeps between runs (extra vars, option vars, vault secrets, warnings already
shown) are reset before each.

Input (stdin): a JSON list of argument lists, without the program name, for example
    [["-i", "/tmp/case1/hosts.yml", "--list"], ["-i", "/tmp/case1/hosts.yml", "--graph"]]
Output (stdout): a JSON list with one {"status": N, "stdout": "...", "stderr": "..."} per input.

Run it with the venv's Python: .venv/bin/python Tests/Oracle/ansible_inventory_batch.py
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import warnings

# A file that no plugin can parse is an error (exit status non-zero), not an empty inventory.
os.environ.setdefault("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
os.environ.setdefault("ANSIBLE_NOCOLOR", "1")
# Only the YAML inventory plugin: its error is the one that explains a rejected file.
os.environ.setdefault("ANSIBLE_INVENTORY_ENABLED", "yaml")
warnings.simplefilter("ignore")

from ansible import context  # noqa: E402
from ansible.cli.inventory import InventoryCLI  # noqa: E402
from ansible.parsing.vault import VaultSecretsContext  # noqa: E402
from ansible.utils import vars as ansible_vars  # noqa: E402
from ansible.utils.context_objects import CLIArgs, GlobalCLIArgs  # noqa: E402
from ansible.utils.display import Display  # noqa: E402


def reset_process_state() -> None:
    """Forgets what an earlier run left in Ansible's process-wide caches."""
    for function, attribute in (
        (ansible_vars.load_extra_vars, "extra_vars"),
        (ansible_vars.load_options_vars, "options_vars"),
    ):
        if hasattr(function, attribute):
            delattr(function, attribute)
    VaultSecretsContext._current = None
    # The parsed command line is a process-wide singleton: forget the previous one.
    GlobalCLIArgs._Singleton__instance = None
    context.CLIARGS = CLIArgs({})
    display = Display()
    for cache in ("_warns", "_deprecations", "_errors"):
        if isinstance(getattr(display, cache, None), (dict, set)):
            getattr(display, cache).clear()


def run(arguments: list[str]) -> dict[str, object]:
    reset_process_state()
    stdout = io.StringIO()
    stderr = io.StringIO()
    status: object = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            InventoryCLI.cli_executor(["ansible-inventory", *arguments])
        except SystemExit as exit_:
            status = exit_.code
        except BaseException as error:  # reported, never fatal for the batch
            status = 250
            stderr.write(f"batch driver: {type(error).__name__}: {error}\n")
    if status is None:
        status = 0
    if not isinstance(status, int):
        status = 1
    return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


def main() -> None:
    requests = json.load(sys.stdin)
    results = [run([str(argument) for argument in arguments]) for arguments in requests]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
