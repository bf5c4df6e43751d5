import ArgumentParser
import Basics
import Foundation

/// Runs an async command body and turns an ``OperatorError`` into `error: …` / `  fix: …` on
/// standard error and the error's exit status.
func reportingOperatorErrors<T>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let error as any OperatorError {
    printToStandardError("error: " + error.description)
    throw ExitCode(error.exitStatus)
  }
}
