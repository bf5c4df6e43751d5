import ClusterOps
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `init`'s questions on a terminal: which machines become servers, workers and GPU nodes.
struct InitPrompt {
  /// Reads one answer line (nil at end of input).
  let readAnswer: () -> String?
  /// Shows text to the person answering.
  let show: (String) -> Void

  /// A prompt on the process's terminal, or nil when standard input is not one.
  static func onTerminal() -> InitPrompt? {
    guard isatty(STDIN_FILENO) == 1 else { return nil }
    return InitPrompt(
      readAnswer: { readLine(strippingNewline: true) },
      show: { FileHandle.standardError.write(Data($0.utf8)) })
  }

  /// Lists `candidates` and fills the request's servers, workers and GPU nodes from the answers.
  func choose(from candidates: [InitCandidate], into request: inout InitRequest) throws {
    guard !candidates.isEmpty else {
      throw InitError(
        "the tailnet has no online Linux machine to put into the cluster",
        remedy: "start the machines (and tailscale up on them), then run init again")
    }
    show("Online Linux machines of your tailnet:\n")
    for (index, candidate) in candidates.enumerated() {
      let note = candidate.isSelf ? "  (this machine)" : ""
      show("  \(index + 1). \(candidate.name)  \(candidate.address)\(note)\n")
    }
    request.servers = try ask("K3s server(s), the first starts the cluster [1]: ", candidates)
    if request.servers.isEmpty { request.servers = [candidates[0].name] }
    request.workers = try ask(
      "Workers (numbers or names, comma-separated; empty: none): ", candidates)
    request.gpus = try ask("Which of them have an NVIDIA GPU (empty: none): ", candidates)
  }

  /// The machines one answer names, by number or by name.
  private func ask(_ question: String, _ candidates: [InitCandidate]) throws -> [String] {
    show(question)
    let answer = readAnswer() ?? ""
    return try answer.split(whereSeparator: { $0 == "," || $0 == " " }).map { word in
      if let number = Int(word) {
        guard candidates.indices.contains(number - 1) else {
          throw InitError("\(number) is not in the list (1–\(candidates.count))")
        }
        return candidates[number - 1].name
      }
      return String(word)
    }
  }
}
