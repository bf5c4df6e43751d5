import ClusterMgrTesting
import CustomDump
import Foundation
import Inventory
import Testing

/// Random inventories (``RandomInventory``: groups, children, variables at every level, ranges,
/// ports, tricky scalars) resolve exactly as the pinned `ansible-inventory` resolves them:
/// `--list` and `--graph --vars` print the same text, or both refuse the inventory.
///
/// Every case of a run goes to the oracle in one batch; a failing case is shrunk (one step
/// smaller at a time, each round in one batch) before it is reported. `INVENTORY_PARITY_COUNT`
/// sets the number of cases (default 500), `INVENTORY_PARITY_SEED` replays a run.
@Suite struct ParityPropertyTests {
  static let questions = [["--list"], ["--graph", "--vars"]]

  @Test func randomInventoriesResolveLikeAnsible() throws {
    let environment = ProcessInfo.processInfo.environment
    let count = environment["INVENTORY_PARITY_COUNT"].flatMap { Int($0) } ?? 500
    let seed =
      environment["INVENTORY_PARITY_SEED"].flatMap { UInt64($0) }
      ?? UInt64.random(in: 0...UInt64.max)
    print("parity property: \(count) cases, INVENTORY_PARITY_SEED=\(seed)")
    var random = SplitMix(seed: seed)
    let inventories = (0..<count).map { _ in RandomInventory.random(&random) }
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let started = ContinuousClock.now
    let failures = try Self.failures(inventories, in: scratch, round: "cases")
    print("parity property: \(count) cases compared in \(ContinuousClock.now - started)")
    guard let (index, first) = failures.first else { return }
    var smallest = inventories[index]
    var problem = first
    for round in 0..<30 {
      let candidates = smallest.shrunk
      guard !candidates.isEmpty,
        let (found, foundProblem) = try Self.failures(
          candidates, in: scratch, round: "shrink\(round)"
        ).first
      else { break }
      smallest = candidates[found]
      problem = foundProblem
    }
    Issue.record(
      "\(failures.count) of \(count) random inventories differ from Ansible (seed \(seed)); smallest:\n\(smallest)\n\(problem)"
    )
  }

  /// The cases that differ, with what differs, in order.
  static func failures(
    _ inventories: [RandomInventory], in scratch: ScratchDirectory, round: String
  )
    throws -> [(Int, String)]
  {
    var paths: [String] = []
    for (index, inventory) in inventories.enumerated() {
      let directory = scratch.file("\(round)/\(index)")
      try inventory.write(to: directory)
      paths.append(directory + "/hosts.yml")
    }
    let requests = paths.flatMap { path in questions.map { ["-i", path] + $0 } }
    let answers = try AnsibleBatch.run(requests)
    var failures: [(Int, String)] = []
    for (index, path) in paths.enumerated() {
      let ours = Self.ours(path)
      for (offset, question) in questions.enumerated() {
        let ansible = answers[index * questions.count + offset]
        if let problem = Self.compare(ours: ours[offset], ansible: ansible, question: question) {
          failures.append((index, problem))
          break
        }
      }
    }
    return failures
  }

  /// cluster-mgr's answer to each question, in process (`inventory --list` and
  /// `--graph --vars` are these two calls).
  static func ours(_ path: String) -> [Result<String, InventoryError>] {
    do {
      let inventory = try InventoryLoader.load(path: path, vault: VaultPasswords(), locked: .keep)
      return [
        .success(inventory.ansibleListText() + "\n"),
        .success((inventory.ansibleGraph(showVariables: true) ?? "") + "\n"),
      ]
    } catch {
      return [.failure(error), .failure(error)]
    }
  }

  static func compare(
    ours: Result<String, InventoryError>, ansible: AnsibleBatch.Answer, question: [String]
  ) -> String? {
    switch ours {
    case .success(let text):
      guard ansible.status == 0 else {
        return
          "\(question): Ansible refuses it (\(ansible.stderr.suffix(400))), cluster-mgr accepts it"
      }
      guard text == ansible.stdout else {
        return "\(question) differs (- Ansible, + cluster-mgr):\n"
          + (diff(ansible.stdout, text) ?? "")
      }
      return nil
    case .failure(let error):
      guard ansible.status != 0 else {
        return "\(question): cluster-mgr refuses it (\(error.message)), Ansible accepts it"
      }
      return nil
    }
  }
}
