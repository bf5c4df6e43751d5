import Basics
import Foundation
import RunHistory

extension NodeMaintenanceOperation {
  /// Runs the steps of one command: each recorded in the history; the first failure ends the
  /// run with an error that names the host, the step, what was done and the remedy.
  struct Steps {
    let history: OperationHistory
    let host: String
    let redactor: SecretRedactor
    let interruption: Interruption
    let name: String
    var done: [String] = []

    /// Runs `body`; it returns what it changed (nil: nothing needed changing).
    mutating func run(
      _ step: String, remedy: String, _ body: () async throws -> String?
    ) async throws {
      if interruption.isRequested {
        await history.finish(.interrupted)
        throw OperationInterrupted(
          "before \(step) on \(host)"
            + (done.isEmpty
              ? "; nothing was changed" : "; already done: " + done.joined(separator: "; ")),
          interruption: interruption)
      }
      let started = ContinuousClock.now
      do {
        let changed = try await body()
        history.record(
          host: host, step: step, status: changed == nil ? .ok : .changed, started: started,
          message: changed)
        if let changed { done.append(changed) }
      } catch {
        let message = redactor.redact(Self.describe(error)).trimmingCharacters(
          in: .whitespacesAndNewlines)
        history.record(host: host, step: step, status: .failed, started: started, message: message)
        await history.finish(done.isEmpty ? .failed : .partial)
        let sentence = message.hasSuffix(".") ? message : message + "."
        let already =
          done.isEmpty ? "" : " Already done: " + done.joined(separator: "; ") + "."
        let own = (error as? any OperatorError)?.remedy
        throw OperationError(
          "\(host): \(step) failed: \(sentence)\(already)",
          remedy: own.map { "\($0); \(remedy)" } ?? remedy,
          exitStatus: (error as? any OperatorError)?.exitStatus ?? ExitStatus.failure)
      }
    }

    static func describe(_ error: any Error) -> String {
      (error as? any OperatorError)?.message ?? "\(error)"
    }
  }
}
