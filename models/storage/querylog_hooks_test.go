package storage

import (
	"context"
)

// QueryByBuilder reads table through GORM's query builder.
func (s *Store) QueryByBuilder(ctx context.Context, table, where string, args ...any) error {
	var rows []map[string]any
	return s.r.WithContext(ctx).Table(table).Where(where, args...).Find(&rows).Error
}

// QueryByRawScan reads through GORM's Raw…Scan.
func (s *Store) QueryByRawScan(ctx context.Context, query string, args ...any) error {
	var rows []map[string]any
	return s.r.WithContext(ctx).Raw(query, args...).Scan(&rows).Error
}

// ExecOnWriter writes through GORM's Exec on the writer.
func (s *Store) ExecOnWriter(ctx context.Context, query string, args ...any) error {
	return s.w.WithContext(ctx).Exec(query, args...).Error
}

// QueryPrepared reads one row through a prepared statement on the reader
// pool, without GORM.
func (s *Store) QueryPrepared(ctx context.Context, query string, args ...any) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	var v any
	return st.QueryRowContext(ctx, args...).Scan(&v)
}
