package common

// Series keeps the last values of a measure, for sparklines.
type Series struct {
	vals []float64
	cap  int
}

// NewSeries returns a series that keeps the last n values.
func NewSeries(n int) *Series { return &Series{cap: n, vals: make([]float64, 0, n)} }

// Add appends v, forgetting the oldest value when full.
func (s *Series) Add(v float64) {
	if len(s.vals) == s.cap {
		copy(s.vals, s.vals[1:])
		s.vals = s.vals[:len(s.vals)-1]
	}
	s.vals = append(s.vals, v)
}

// Values returns the values, oldest first.
func (s *Series) Values() []float64 {
	if s == nil {
		return nil
	}
	return s.vals
}

// Last returns the newest value, or 0.
func (s *Series) Last() float64 {
	if s == nil || len(s.vals) == 0 {
		return 0
	}
	return s.vals[len(s.vals)-1]
}

// Max returns the largest value, or 0.
func (s *Series) Max() float64 {
	m := 0.0
	for _, v := range s.Values() {
		m = max(m, v)
	}
	return m
}
