package api

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp that travels as epoch seconds (a JSON number), as the
// restJson1 and awsJson1.1 protocols require (aws-sdk-go-v2 rejects strings).
type Time struct{ time.Time }

// NewTime wraps t, truncated to milliseconds.
func NewTime(t time.Time) *Time { return &Time{t.UTC().Truncate(time.Millisecond)} }

func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func (t *Time) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		// botocore accepts ISO strings as well; so do we.
		var s string
		if err2 := json.Unmarshal(b, &s); err2 != nil {
			return err
		}
		p, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		t.Time = p.UTC()
		return nil
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC()
	return nil
}
