# LAB STAND-IN tests, never shipped.
"""The device plugin stand-in loads its config with NVIDIA/k8s-device-plugin v0.20.0's rules
(api/config/v1/config.go, replicas.go, resources.go; cmd/nvidia-device-plugin/main.go)."""
import unittest

import support  # noqa: F401
from k3slab import deviceplugin

CHAIN = ("error starting plugins: unable to load config: unable to finalize config: unable to parse config "
         "file: error parsing config file: ")
DECODE = CHAIN + "unmarshal error: error unmarshaling JSON: while decoding JSON: "


def sliced(replicas, extra=""):
    return ("version: v1\nsharing:\n  timeSlicing:\n%s    resources:\n    - name: nvidia.com/gpu\n"
            "      replicas: %s\n" % (extra, replicas))


class DevicePluginConfigTests(unittest.TestCase):
    def refused(self, text):
        with self.assertRaises(deviceplugin.PluginConfigError) as raised:
            deviceplugin.load(text)
        return str(raised.exception)

    def test_no_sharing_section_offers_each_gpu_once(self):
        for text in ("version: v1\n", "", "version: v1\nsharing: {}\n", "version: v1\nflags: {migStrategy: none}\n"):
            self.assertEqual(deviceplugin.load(text)["replicas"], 1, text)
            self.assertEqual(deviceplugin.load(text)["resource"], "nvidia.com/gpu", text)

    def test_fewer_than_two_replicas_are_refused(self):
        for n in (1, 0, -3):
            self.assertEqual(self.refused(sliced(n)), DECODE + "number of replicas must be >= 2")

    def test_replicas_shared_and_fail_requests_greater_than_one(self):
        cfg = deviceplugin.load(sliced(4, "    failRequestsGreaterThanOne: true\n"))
        self.assertEqual((cfg["replicas"], cfg["resource"], cfg["fail_gt1"]), (4, "nvidia.com/gpu", True))
        self.assertFalse(deviceplugin.load(sliced(2))["fail_gt1"])

    def test_rename_by_default_offers_gpu_shared_and_a_plain_rename_is_ignored(self):
        self.assertEqual(deviceplugin.load(sliced(2, "    renameByDefault: true\n"))["resource"],
                         "nvidia.com/gpu.shared")
        text = sliced(2) + "      rename: nvidia.com/mine\n"
        cfg = deviceplugin.load(text)
        self.assertEqual(cfg["resource"], "nvidia.com/gpu")
        self.assertIn("'rename' field", cfg["warnings"][0])

    def test_the_schema_of_time_slicing(self):
        self.assertEqual(self.refused("sharing:\n  timeSlicing: {}\n"), DECODE + "no resources specified")
        self.assertEqual(self.refused("sharing:\n  timeSlicing: {resources: []}\n"), DECODE + "no resources specified")
        self.assertEqual(self.refused("sharing:\n  timeSlicing:\n    resources: [{replicas: 2}]\n"),
                         DECODE + "no resource name specified")
        self.assertEqual(self.refused("sharing:\n  timeSlicing:\n    resources: [{name: gpu}]\n"),
                         DECODE + "no replicas specified")
        self.assertEqual(self.refused(sliced('"4"')), DECODE + "json: cannot unmarshal string into Go value of type int")
        self.assertEqual(self.refused(sliced(2, "    renameByDefault: yes please\n")),
                         DECODE + "json: cannot unmarshal string into Go value of type bool")
        self.assertIn("incorrect format for resource name 'nvidia.com/Bad_Name'",
                      self.refused("sharing:\n  timeSlicing:\n    resources: [{name: Bad_Name, replicas: 2}]\n"))
        self.assertEqual(self.refused(sliced(2).replace("replicas: 2", "replicas: 2\n      devices: some")),
                         DECODE + "devices set as 'some' but the only valid string input is 'all'")
        self.assertEqual(deviceplugin.load(sliced(2).replace("replicas: 2", "replicas: 2\n      devices: [0, 1]"))
                         ["replicas"], 2)

    def test_unknown_version_and_a_missing_file(self):
        self.assertEqual(self.refused("version: v2\n"), CHAIN + "unknown version: v2")
        self.assertEqual(str(deviceplugin.missing_file("/config/config.yaml")),
                         "error starting plugins: unable to load config: unable to finalize config: unable to "
                         "parse config file: error opening config file: open /config/config.yaml: no such file or "
                         "directory")


if __name__ == "__main__":
    unittest.main()
