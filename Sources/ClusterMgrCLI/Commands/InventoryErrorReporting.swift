import ArgumentParser
import Basics
import Foundation

/// Runs a command body and turns an ``OperatorError`` into `error: …` / `  fix: …` on
/// standard error and the error's exit status.
func reportingOperatorErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as any OperatorError {
    printToStandardError("error: " + error.description)
    throw ExitCode(error.exitStatus)
  }
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
