# Renders the workload's Jinja templates the way Ansible's template module and pyinfra's
# files.template do, with the venv's jinja2 (run with .venv/bin/python; part of scripts/bench).
#
# Ansible 2.19 (ansible/plugins/action/template.py, _internal/_templating/_engine.py):
#   trim_blocks=True, lstrip_blocks=False, keep_trailing_newline=False, then the trailing
#   newlines the source had but the result lost are appended again (newline_sequence "\n").
# pyinfra 3.10 (api/util.py get_template + deploy.py's jinja_env_kwargs):
#   trim_blocks=True, keep_trailing_newline=True, StrictUndefined.
# Input (stdin): {"templates": DIR, "hosts": {HOST: {var: value}}}.
# Output (stdout): {"hosts": {HOST: {TEMPLATE: text}}, "disagreements": [...]}.
import json
import os
import sys

import jinja2


def count_trailing_newlines(text):
    n = 0
    for ch in reversed(text):
        if ch != "\n":
            break
        n += 1
    return n


def ansible_style(source, values):
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=False, keep_trailing_newline=False,
                             undefined=jinja2.StrictUndefined)
    out = env.from_string(source).render(values)
    missing = count_trailing_newlines(source) - count_trailing_newlines(out)
    return out + "\n" * missing if missing > 0 else out


def pyinfra_style(source, values):
    env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    return env.from_string(source).render(values)


def main():
    request = json.load(sys.stdin)
    directory = request["templates"]
    names = sorted(n for n in os.listdir(directory) if n.endswith(".j2"))
    sources = {}
    for n in names:
        with open(os.path.join(directory, n), encoding="utf-8", newline="") as f:
            sources[n] = f.read()
    hosts = {}
    disagreements = []
    for host, values in request["hosts"].items():
        hosts[host] = {}
        for n, source in sources.items():
            a = ansible_style(source, values)
            p = pyinfra_style(source, values)
            if a != p:
                disagreements.append({"host": host, "template": n, "ansible": a, "pyinfra": p})
            hosts[host][n] = a
    json.dump({"hosts": hosts, "disagreements": disagreements, "jinja2": jinja2.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
