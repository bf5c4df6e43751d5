import ClusterMgrTesting
import Foundation
import Testing

/// `ansible-inventory` command lines answered in one Python process by
/// `Tests/Oracle/ansible_inventory_batch.py` (importing Ansible once instead of once per command
/// line: hundreds of inventories take seconds).
enum AnsibleBatch {
  /// One command line's outcome.
  struct Answer: Sendable {
    var status: Int
    var stdout: String
    var stderr: String
  }

  /// Runs every argument list (without the program name) and returns the answers in order.
  static func run(_ requests: [[String]]) throws -> [Answer] {
    guard !requests.isEmpty else { return [] }
    let python = Repository.venvTool("python")
    try #require(
      FileManager.default.isExecutableFile(atPath: python),
      "the oracle's Python is missing at \(python): run scripts/setup")
    let driver = Repository.root.appendingPathComponent("Tests/Oracle/ansible_inventory_batch.py")
    let input = try JSONSerialization.data(withJSONObject: requests)
    let result = try ProcessRunner.run(
      [python, driver.path], environment: Ansible.environment, inputData: input,
      currentDirectory: NSTemporaryDirectory())
    try #require(result.status == 0, "the oracle driver failed: \(result.stderr)")
    let decoded = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    let answers = try #require(decoded as? [[String: Any]], "unexpected driver output")
    try #require(
      answers.count == requests.count, "the driver answered \(answers.count) of \(requests.count)")
    return answers.map { answer in
      Answer(
        status: answer["status"] as? Int ?? -1, stdout: answer["stdout"] as? String ?? "",
        stderr: answer["stderr"] as? String ?? "")
    }
  }
}

/// Answers computed once per test process and shared by every test that asks (the corpus is
/// sent to the oracle in one batch).
final class SharedAnswers: @unchecked Sendable {
  private let lock = NSLock()
  private var answers: [[String]: AnsibleBatch.Answer]?
  private let requests: @Sendable () -> [[String]]

  init(_ requests: @escaping @Sendable () -> [[String]]) {
    self.requests = requests
  }

  /// The oracle's answer to `arguments` (which must be among the requests).
  func answer(_ arguments: [String]) throws -> AnsibleBatch.Answer {
    lock.lock()
    defer { lock.unlock() }
    if answers == nil {
      let all = requests()
      answers = Dictionary(
        zip(all, try AnsibleBatch.run(all)).map { ($0, $1) },
        uniquingKeysWith: { first, _ in first })
    }
    return try #require(answers?[arguments], "no oracle answer for \(arguments)")
  }
}
