import Foundation
import Inventory
import OrderedCollections
import Testing

/// Loading details: YAML 1.1 typing as PyYAML does it, precedence, and positions.
@Suite struct LoaderTests {
  static func load(_ text: String, file: String = "/nonexistent/hosts.yml") throws
    -> ResolvedInventory
  {
    try InventoryLoader.load(path: file, text: text)
  }

  @Test func scalarsAreTypedLikeAnsible() throws {
    let inventory = try Self.load(
      """
      all:
        hosts:
          h:
            a: yes
            b: Off
            c: y
            d: 017
            e: 09
            f: 0x1F
            g: 1_000
            h: 1:30
            i: 1e3
            j: 1.5e+3
            k: .5
            l: -.5
            m: ~
            n: "42"
            o: !!str 12
            p: 2001-12-14 21:59:43.10 -5
            q: 2024-02-29
            r: 1.10

      """)
    let expected: OrderedDictionary<String, InventoryValue> = [
      "a": true, "b": false, "c": "y", "d": 15, "e": "09", "f": 31, "g": 1000, "h": 90, "i": "1e3",
      "j": 1500.0, "k": 0.5, "l": "-.5", "m": nil, "n": "42", "o": "12",
      "p": "2001-12-14T21:59:43.100000-05:00", "q": "2024-02-29", "r": 1.1,
    ]
    #expect(inventory.hostVars("h") == expected)
  }

  @Test func precedenceFollowsAnsible() throws {
    let inventory = try Self.load(
      """
      all:
        vars: {v: all, s: all}
        children:
          parent:
            vars: {v: parent}
            children:
              child:
                vars: {v: child}
                hosts:
                  h1:
          aaa:
            vars: {s: aaa}
            hosts:
              h1:
          zzz:
            vars: {s: zzz}
            hosts:
              h1:

      """)
    #expect(inventory.hostVars("h1")?["v"] == "child", "deeper groups win")
    #expect(inventory.hostVars("h1")?["s"] == "zzz", "same depth: the later name wins")
    #expect(inventory.groups(ofHost: "h1") == ["aaa", "parent", "zzz", "child"])
    #expect(inventory.host("h1")?.variables["v"]?.origin.location.line == 8)
  }

  @Test func locationsPointAtKeysAndElements() throws {
    let inventory = try Self.load(
      """
      all:
        hosts:
          h:
            node_taints:
              - a=b:NoSchedule
              - c=d:Sometimes

      """)
    let taints = try #require(inventory.host("h")?.variables["node_taints"])
    #expect(taints.origin.location.description == "/nonexistent/hosts.yml:4:7")
    #expect(taints.location(at: ["1"]).description == "/nonexistent/hosts.yml:6:11")
  }

  @Test func varsFilesOverrideInlineGroupVariables() throws {
    let inventory = try InventoryLoader.load(
      path: Fixtures.path("differential/vars-files/hosts.yml"))
    let w1 = try #require(inventory.host("w1"))
    #expect(w1.variables["override_me"]?.value == "host_vars/w1")
    #expect(w1.variables["override_me"]?.origin.isVarsFile == true)
    #expect(inventory.hostVars("w2")?["override_me"] == "group_vars/workers")
    #expect(inventory.group("workers")?.inlineVariables["override_me"]?.value == "workers-inline")
    #expect(inventory.files.contains { $0.hasSuffix("group_vars/workers.yaml") })
  }

  @Test func hostsInGroupIncludeDescendantsOnce() throws {
    let inventory = try InventoryLoader.load(path: Fixtures.path("differential/nesting/hosts.yml"))
    #expect(inventory.hosts(inGroup: "site") == ["g1", "g2", "c1"])
    #expect(inventory.hosts(inGroup: "monitoring") == ["m1", "c1"])
    #expect(inventory.group("gpu")?.parents == ["rack1", "rack2"])
    #expect(inventory.group("gpu")?.depth == 3)
  }
}
