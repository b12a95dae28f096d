package storage

// SetExportSegmentOrgs lets a test cut an export into segments of n
// organisations, so a small dataset crosses many segment boundaries.
func SetExportSegmentOrgs(n int) (restore func()) {
	old := exportSegmentOrgs
	exportSegmentOrgs = n
	return func() { exportSegmentOrgs = old }
}
