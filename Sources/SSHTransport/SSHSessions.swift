/// Connections to many hosts for one run: one per host, opened on first use and reused, with at
/// most `forks` hosts worked on at once.
public actor SSHSessions {
  /// The options every connection uses.
  public nonisolated let options: SSHOptions
  /// How many hosts are worked on at once.
  public nonisolated let forks: Int
  private var connections: [SSHTarget: Task<Result<SSHConnection, SSHError>, Never>] = [:]

  /// Creates an empty set of sessions.
  public init(options: SSHOptions = SSHOptions(), forks: Int = 10) {
    self.options = options
    self.forks = max(1, forks)
  }

  /// The connection to `target`, opened now if there is none yet (concurrent callers share it).
  public func connection(to target: SSHTarget) async throws(SSHError) -> SSHConnection {
    let task: Task<Result<SSHConnection, SSHError>, Never>
    if let existing = connections[target] {
      task = existing
    } else {
      let options = self.options
      task = Task {
        do throws(SSHError) {
          return .success(try await SSHConnection.connect(to: target, options: options))
        } catch {
          return .failure(error)
        }
      }
      connections[target] = task
    }
    let result = await task.value
    if case .failure = result { connections[target] = nil }
    return try result.get()
  }

  /// Runs `body` for every target with its connection, `forks` hosts at a time, and returns
  /// each host's outcome in the order of `targets`.
  public func forEach<T: Sendable>(
    _ targets: [SSHTarget],
    _ body: @escaping @Sendable (SSHTarget, SSHConnection) async throws -> T
  ) async -> [Result<T, any Error>] {
    var results = [Result<T, any Error>?](repeating: nil, count: targets.count)
    await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
      var next = 0
      func startNext() {
        guard next < targets.count else { return }
        let index = next
        next += 1
        group.addTask {
          do {
            let connection = try await self.connection(to: targets[index])
            return (index, .success(try await body(targets[index], connection)))
          } catch {
            return (index, .failure(error))
          }
        }
      }
      for _ in 0..<min(forks, targets.count) { startNext() }
      while let (index, result) = await group.next() {
        results[index] = result
        startNext()
      }
    }
    return results.map { $0! }
  }

  /// Round trips so far, per host name.
  public func roundTrips() async -> [String: Int] {
    var counts: [String: Int] = [:]
    for (target, task) in connections {
      if case .success(let connection) = await task.value {
        counts[target.name] = await connection.roundTrips
      }
    }
    return counts
  }

  /// Closes every connection.
  public func closeAll() async {
    // Each connection closes on its own thread: all at once rather than one after another.
    await withTaskGroup(of: Void.self) { group in
      for task in connections.values {
        group.addTask {
          if case .success(let connection) = await task.value { await connection.close() }
        }
      }
    }
    connections = [:]
  }
}
