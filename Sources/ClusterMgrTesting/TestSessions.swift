import Engine

/// The session provider engine tests use against a lab.
public enum TestSessions {
  /// Sessions into `lab`'s hosts.
  public static func provider(for lab: LabInstance) -> any HostSessionProvider {
    LabExecSessions(lab: lab)
  }
}
