import ClusterMgrTesting
import Foundation
import Testing

/// One inventory of the differential corpus and what both tools are asked about it.
///
/// A case is a directory under `Fixtures/differential` holding the inventory (`hosts.yml`,
/// `hosts.yaml`, `hosts.json` or `hosts`) with its `group_vars/` and `host_vars/`, and
/// optionally:
/// - `options`: one argument per line given to both tools (`./FILE`, `@./FILE` and
///   `LABEL@./FILE` name a file of the case: `./vault-password`, `@./extra.yml`, `dev@./dev.pass`);
/// - `graph-groups`: groups to ask `--graph GROUP` for;
/// - `host-patterns`: patterns to ask `--host PATTERN` for, besides every host.
struct CorpusCase: Sendable, CustomTestStringConvertible {
  var name: String
  var inventory: String
  var options: [String] = []
  var graphGroups: [String] = []
  var hostPatterns: [String] = []

  var testDescription: String { name }

  /// The inventory file names a case directory may hold, in the order they are looked for.
  static let inventoryNames = ["hosts.yml", "hosts.yaml", "hosts.json", "hosts"]

  /// A case from its directory.
  init(directory: String) throws {
    name = (directory as NSString).lastPathComponent
    let found = Self.inventoryNames.map { directory + "/" + $0 }.first {
      FileManager.default.fileExists(atPath: $0)
    }
    inventory = try #require(found, "\(directory) holds no inventory")
    func lines(_ file: String) -> [String] {
      let text = (try? String(contentsOfFile: directory + "/" + file, encoding: .utf8)) ?? ""
      return text.split(separator: "\n").map(String.init)
    }
    options = lines("options").map { line in
      if line.hasPrefix("./") { return directory + line.dropFirst(1) }
      return line.replacingOccurrences(of: "@./", with: "@" + directory + "/")
    }
    graphGroups = lines("graph-groups")
    hostPatterns = lines("host-patterns")
  }

  /// An example inventory of the repository.
  init(example: String) {
    name = example
    inventory = Fixtures.example(example)
  }

  /// The questions that need no answer first: `--list`, `--graph`, `--graph --vars`,
  /// `--graph GROUP` and `--host PATTERN`.
  var firstQuestions: [[String]] {
    var questions = [["--list"], ["--graph"], ["--graph", "--vars"]]
    questions += graphGroups.map { ["--graph", $0] }
    questions += hostPatterns.map { ["--host=" + $0] }
    return questions.map(arguments)
  }

  /// `ansible-inventory` arguments for a question.
  func arguments(_ question: [String]) -> [String] {
    ["-i", inventory] + options + question
  }

  /// True when `pattern` makes Ansible invent its implicit localhost for this inventory.
  func isImplicitLocalhost(_ pattern: String, hosts: [String]) -> Bool {
    ["localhost", "127.0.0.1", "::1"].contains(pattern) && !hosts.contains(pattern)
  }
}

/// The corpus and the oracle's answers to every question about it, asked in two batches (the
/// second asks `--host` for every host the first one listed).
enum DifferentialCorpus {
  static var cases: [CorpusCase] {
    let directory = Fixtures.root.appendingPathComponent("differential").path
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    return Fixtures.examples.map(CorpusCase.init(example:))
      + names.compactMap { try? CorpusCase(directory: directory + "/" + $0) }
  }

  private static let first = SharedAnswers { cases.flatMap(\.firstQuestions) }
  private static let second = SharedAnswers {
    cases.flatMap { corpusCase in
      hostNames(corpusCase).map { corpusCase.arguments(["--host=" + $0]) }
    }
  }

  /// The oracle's answer for a case's question.
  static func answer(_ corpusCase: CorpusCase, _ question: [String]) throws -> AnsibleBatch.Answer {
    let arguments = corpusCase.arguments(question)
    if let pattern = question.first?.hostPattern, !corpusCase.hostPatterns.contains(pattern) {
      return try second.answer(arguments)
    }
    return try first.answer(arguments)
  }

  /// Every host Ansible's `--list` names for a case (hostvars keys and group members).
  static func hostNames(_ corpusCase: CorpusCase) -> [String] {
    guard let list = try? first.answer(corpusCase.arguments(["--list"])), list.status == 0,
      let object = try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8))
        as? [String: Any]
    else { return [] }
    var names: [String] = []
    for (group, value) in object where group != "_meta" {
      for host in (value as? [String: Any])?["hosts"] as? [String] ?? [] where !names.contains(host)
      {
        names.append(host)
      }
    }
    let meta = object["_meta"] as? [String: Any]
    for host in (meta?["hostvars"] as? [String: Any])?.keys.sorted() ?? []
    where !names.contains(host) {
      names.append(host)
    }
    return names.sorted()
  }
}

extension String {
  /// The pattern of a `--host=PATTERN` argument (the form both tools read whatever PATTERN
  /// starts with).
  var hostPattern: String? {
    hasPrefix("--host=") ? String(dropFirst("--host=".count)) : nil
  }
}
