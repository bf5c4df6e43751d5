import ArgumentParser

/// How a command prints its result: `--output text` (for people, the default) or
/// `--output json` (for scripts).
struct OutputOptions: ParsableArguments {
  /// The output formats every command offers.
  enum Format: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
  }

  @Option(name: .long, help: "Output format: text or json.")
  var output: Format = .text

  /// True when the caller asked for JSON.
  var isJSON: Bool { output == .json }
}
