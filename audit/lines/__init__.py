"""Line-level leftovers: the rule packs, the line statistics and the template lines of a source."""
