import ArgumentParser
import Basics
import Foundation

/// Runs an async command body and turns an ``OperatorError`` into `error: …` / `  fix: …` on
/// standard error and the error's exit status.
func reportingOperatorErrors<T>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let error as any OperatorError {
    throw report(error)
  }
}

/// Runs a command body and turns an ``OperatorError`` into `error: …` / `  fix: …` on
/// standard error and the error's exit status.
func reportingOperatorErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as any OperatorError {
    throw report(error)
  }
}

/// Prints `error` (names and texts from an inventory or a host cannot drive the terminal) and
/// returns the exit that ends the command.
private func report(_ error: any OperatorError) -> ExitCode {
  printToStandardError("error: " + PrintableText.escapedKeepingLines(error.description))
  return ExitCode(error.exitStatus)
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
