# LAB STAND-IN tests, never shipped.
"""The K3s stand-in merges config.yaml and config.yaml.d as K3s v1.36 does
(k3s-io/k3s pkg/configfilearg/parser.go: readConfigFile, dotDFiles, stripInvalidFlags)."""
import contextlib
import io
import os
import tempfile
import unittest

import support  # noqa: F401  (puts the stand-in on sys.path)
from k3slab import config


class ConfigMergeTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "config.yaml")
        os.mkdir(self.path + ".d")

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.dir.name, name), "w") as f:
            f.write(text)

    def merged(self, mode="agent"):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            settings = config.merge_files(config.config_files(self.path), config.flags_for(mode))
        return settings, err.getvalue()

    def test_a_later_file_replaces_a_list_and_an_empty_list_removes_it(self):
        self.write("config.yaml", 'node-taint: ["CriticalAddonsOnly=true:NoExecute"]\nnode-label: [a=1]\n')
        self.write("config.yaml.d/50-x.yaml", "node-taint: []\nnode-label: [b=2]\n")
        settings, _ = self.merged()
        self.assertEqual(settings["node-taint"], [])
        self.assertEqual(settings["node-label"], ["b=2"])

    def test_a_key_ending_in_plus_appends(self):
        self.write("config.yaml", 'node-taint: ["CriticalAddonsOnly=true:NoExecute"]\nnode-label: [a=1]\n')
        self.write("config.yaml.d/50-x.yaml", "node-taint+: [d=x:NoSchedule]\nnode-label+: []\n")
        settings, _ = self.merged()
        self.assertEqual(settings["node-taint"], ["CriticalAddonsOnly=true:NoExecute", "d=x:NoSchedule"])
        self.assertEqual(settings["node-label"], ["a=1"])

    def test_plus_without_an_earlier_value_sets_it(self):
        self.write("config.yaml.d/50-x.yaml", "node-label+: [c=3]\n")
        settings, _ = self.merged()
        self.assertEqual(settings["node-label"], ["c=3"])

    def test_drop_ins_in_name_order_yml_and_any_case_directories_and_others_skipped(self):
        self.write("config.yaml", "node-name: base\n")
        self.write("config.yaml.d/20-b.YML", "node-name: twenty\n")
        self.write("config.yaml.d/10-a.yaml", "node-name: ten\n")
        self.write("config.yaml.d/90-z.yaml.bak", "node-name: backup\n")
        os.mkdir(os.path.join(self.dir.name, "config.yaml.d/99-dir.yaml"))
        files = [os.path.basename(f) for f in config.config_files(self.path)]
        self.assertEqual(files, ["config.yaml", "10-a.yaml", "20-b.YML"])
        self.assertEqual(self.merged()[0]["node-name"], "twenty")

    def test_drop_ins_alone_are_read(self):
        self.write("config.yaml.d/10-a.yaml", "node-name: only\n")
        self.assertEqual(self.merged()[0]["node-name"], "only")

    def test_unknown_keys_are_warned_about_and_skipped(self):
        self.write("config.yaml", "node-lable: [x=y]\nnode-name: n\n")
        settings, err = self.merged()
        self.assertNotIn("node-lable", settings)
        self.assertEqual(settings["node-name"], "n")
        self.assertIn("Unknown flag --node-lable found in config.yaml, skipping", err)

    def test_a_server_key_in_an_agents_config_is_skipped_too(self):
        self.write("config.yaml", "tls-san: [a]\n")
        settings, err = self.merged("agent")
        self.assertNotIn("tls-san", settings)
        self.assertIn("Unknown flag --tls-san", err)
        self.assertEqual(self.merged("server")[0]["tls-san"], ["a"])


if __name__ == "__main__":
    unittest.main()
