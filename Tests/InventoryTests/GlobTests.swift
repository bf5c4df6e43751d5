import Basics
import Testing

/// `Glob.matches` has Python's `fnmatch.fnmatchcase` semantics.
@Suite struct GlobTests {
  @Test(arguments: [
    ("lab-w*", "lab-w1", true), ("lab-w*", "lab-cp1", false), ("*", "", true), ("?", "", false),
    ("w?", "w1", true), ("w?", "w10", false), ("[abc]x", "bx", true), ("[!abc]x", "bx", false),
    ("[a-c]*", "cz", true), ("[a-c]*", "dz", false), ("*.example.com", "a.b.example.com", true),
    ("a[", "a[", true), ("[]]", "]", true), ("[!]]", "a", true), ("*a*b", "xxaxxb", true),
    ("*a*b", "xxaxxbx", false), ("Lab*", "lab1", false), ("a*/b", "a/x/b", true),
  ])
  func matchesLikeFnmatch(_ pattern: String, _ name: String, _ expected: Bool) {
    #expect(Glob.matches(pattern, name) == expected, "\(pattern) vs \(name)")
  }

  @Test func detectsWildcards() {
    #expect(Glob.hasWildcards("w*"))
    #expect(!Glob.hasWildcards("worker-1"))
  }
}
