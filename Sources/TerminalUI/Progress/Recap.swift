/// The end-of-run summary, laid out like Ansible's PLAY RECAP.
///
/// ```
/// PLAY RECAP *********************************************************************
/// node-a                     : ok=12   changed=3    unreachable=0    failed=0    skipped=1
///
/// total time: 1m02s
/// ```
public enum Recap {
  /// The recap lines for `hosts` (in order) and the run's `totalTime`; coloured through `styler`.
  public static func lines(
    for hosts: [HostProgress], totalTime: Duration, styler: Styler = .plain
  ) -> [String] {
    let title = "PLAY RECAP "
    var lines = [title + String(repeating: "*", count: 80 - title.count)]
    let nameWidth = max(26, hosts.map(\.host.displayWidth).max() ?? 0)
    for host in hosts {
      let counts = host.counts
      let nameStyle: Style =
        counts.failed > 0 || counts.unreachable > 0
        ? .red : counts.changed > 0 ? .yellow : .green
      let fields = [
        field("ok", counts.ok, .green, styler),
        field("changed", counts.changed, .yellow, styler),
        field("unreachable", counts.unreachable, .red, styler),
        field("failed", counts.failed, .red, styler),
        field("skipped", counts.skipped, .cyan, styler),
      ]
      var line =
        styler.paint(host.host.padded(toWidth: nameWidth), nameStyle) + " : "
        + fields.joined(separator: " ")
      while line.last == " " { line.removeLast() }
      lines.append(line)
    }
    lines.append("")
    lines.append("total time: " + totalTime.shortDescription)
    return lines
  }

  /// `name=value` padded as Ansible pads it, coloured when the value is not zero.
  private static func field(_ name: String, _ value: Int, _ style: Style, _ styler: Styler)
    -> String
  {
    let text = "\(name)=" + String(value).padded(toWidth: 4)
    return value == 0 ? text : styler.paint(text, style)
  }
}
