import GRDB

/// The database schema, one migration per change; never edit a migration once released.
enum HistorySchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1 runs and task results") { db in
      try db.execute(
        sql: """
          CREATE TABLE run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            startedAt DATETIME NOT NULL,
            finishedAt DATETIME,
            user TEXT NOT NULL,
            machine TEXT NOT NULL,
            command TEXT NOT NULL,
            commandLine TEXT NOT NULL,
            inventoryPath TEXT,
            inventorySHA256 TEXT,
            checkMode BOOLEAN NOT NULL,
            outcome TEXT,
            hosts INTEGER NOT NULL DEFAULT 0,
            ok INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            unreachable INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            durationMilliseconds INTEGER
          );
          CREATE INDEX run_by_command ON run(command, id);
          CREATE INDEX run_by_finish ON run(finishedAt);
          CREATE TABLE taskResult (
            id INTEGER PRIMARY KEY,
            runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
            sequence INTEGER NOT NULL,
            host TEXT NOT NULL,
            role TEXT NOT NULL,
            task TEXT NOT NULL,
            status TEXT NOT NULL,
            durationMilliseconds INTEGER NOT NULL,
            message TEXT,
            diff TEXT
          );
          CREATE INDEX taskResult_by_run ON taskResult(runId, sequence);
          """)
    }
    migrator.registerMigration("v2 the cluster of each run") { db in
      try db.execute(
        sql: """
          ALTER TABLE run ADD COLUMN cluster TEXT;
          CREATE INDEX run_by_cluster ON run(cluster, id);
          """)
    }
    return migrator
  }
}
