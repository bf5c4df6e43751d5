import Basics
import Engine
import Foundation

/// The host has an NVIDIA GPU with a working driver (the driver is the owner's business).
struct NvidiaGPUCheck: Resource {
  func probeScript(_ context: PlanContext) -> String {
    """
    if command -v nvidia-smi >/dev/null 2>&1; then
      if out=$(nvidia-smi -L 2>&1); then echo smi=ok; printf '%s\\n' "$out" | sed 's/^/gpu=/'
      else echo smi=failed; echo "smi_error=$(printf '%s' "$out" | head -c 300 | base64 -w0)"; fi
    else echo smi=absent; fi
    if command -v lspci >/dev/null 2>&1; then lspci -nn -d 10de: 2>/dev/null | grep -E '\\[030[02]\\]' | sed 's/^/pci=/'; fi
    """
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let gpus = current.values("gpu").filter { $0.hasPrefix("GPU ") }
    switch current["smi"] {
    case "ok" where !gpus.isEmpty:
      return .ok(
        "\(gpus.count) GPU(s): \(gpus.map { $0.split(separator: "(").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? $0 }.joined(separator: "; "))",
        facts: ["gpu_count": Fact(String(gpus.count))])
    case "failed":
      let why = current.data("smi_error").map { String(decoding: $0, as: UTF8.self) } ?? ""
      throw PlanError(
        "\(context.host): gpu is true but nvidia-smi fails: \(why.trimmingCharacters(in: .whitespacesAndNewlines)). Install or repair the NVIDIA driver, then provision again."
      )
    default:
      let pci = current.values("pci")
      if !pci.isEmpty {
        throw PlanError(
          "\(context.host): an NVIDIA GPU is present (\(pci[0])) but the driver is not (no working nvidia-smi). Install the NVIDIA driver, then provision again."
        )
      }
      throw PlanError(
        "\(context.host): gpu is true in the inventory but no NVIDIA GPU was found (nvidia-smi -L and lspci found nothing). Set gpu: false or check the host."
      )
    }
  }
}

/// An apt repository's armored signing key, downloaded by the host and installed only when its
/// fingerprint is the expected one.
struct AptSigningKey: Resource {
  let url: String
  let path: String
  let fingerprint: String

  var normalizedFingerprint: String {
    fingerprint.replacingOccurrences(of: " ", with: "").uppercased()
  }

  /// awk that prints the fingerprint of each primary key (not of subkeys) gpg lists.
  static let primaryFingerprints =
    "awk -F: '/^pub:/ { primary = 1; next } /^fpr:/ && primary { print $10; primary = 0 }'"

  func probeScript(_ context: PlanContext) -> String {
    let p = ShellQuote.quote(path)
    return """
      if [ -f \(p) ]; then
        echo "fingerprints=$(gpg --show-keys --with-colons \(p) 2>/dev/null | \(Self.primaryFingerprints) | tr '\\n' ',')"
      else echo fingerprints=absent; fi
      """
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let present = (current["fingerprints"] ?? "").split(separator: ",").map(String.init)
    if present == [normalizedFingerprint] {
      return .ok("\(path): key \(normalizedFingerprint.suffix(16))")
    }
    let refusal =
      ShellQuote.quote("the key file at \(url) holds the key(s) ")
      + "\"$(printf '%s' \"$got\" | tr '\\n' ' ')\""
      + ShellQuote.quote(
        "but must hold exactly one key, \(normalizedFingerprint); refusing to install it")
    let apply = """
      t=$(mktemp) || exit 1
      trap 'rm -f "$t"' EXIT
      curl -fsSL --retry 3 \(ShellQuote.quote(url)) -o "$t" || exit 1
      got=$(gpg --show-keys --with-colons "$t" 2>/dev/null | \(Self.primaryFingerprints))
      [ "$got" = \(ShellQuote.quote(normalizedFingerprint)) ] || { echo \(refusal) >&2; exit 1; }
      mkdir -p \(ShellQuote.quote((path as NSString).deletingLastPathComponent))
      install -m 0644 -o root -g root "$t" \(ShellQuote.quote(path))
      : > "$cm_run/apt-update"
      """
    return Plan(
      .change,
      "\(path): install the key from \(url) (fingerprint \(normalizedFingerprint.suffix(16)))",
      apply: apply)
  }
}
