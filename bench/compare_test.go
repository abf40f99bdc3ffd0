package bench

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMeasure(t *testing.T) {
	calls := 0
	sink := 0
	tm, err := Measure(context.Background(), 1_000_000, 1, 3, func(context.Context) error {
		calls++
		// Burn CPU, so the CPU-time figure is meaningful.
		for t0 := time.Now(); time.Since(t0) < 2*time.Millisecond; {
			sink++
		}
		return nil
	})
	_ = sink
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 || tm.Runs != 3 || len(tm.Seconds) != 3 || tm.Threads != 1 {
		t.Errorf("calls %d, timing %+v", calls, tm)
	}
	if tm.Best > tm.Median || tm.Median < 2*time.Millisecond {
		t.Errorf("best %v median %v", tm.Best, tm.Median)
	}
	if want := 1e6 / tm.Median.Seconds(); tm.RowsPerSec < want*0.99 || tm.RowsPerSec > want*1.01 {
		t.Errorf("rows/s %v, want about %v", tm.RowsPerSec, want)
	}
	if processCPU() > 0 && (len(tm.CPUSeconds) != 3 || tm.RowsPerCPUSec <= 0) {
		t.Errorf("CPU figures missing: %+v", tm)
	}
	boom := errors.New("boom")
	if _, err := Measure(context.Background(), 1, 1, 3, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("err %v", err)
	}
}

func TestWriteComparisons(t *testing.T) {
	cs := []Comparison{
		{Query: "Q1", Threads: 1, Sluice: 20e6, DuckDB: 30e6},
		{Query: "Q-sum", Threads: 2, Sluice: 0, DuckDB: 110e6},
	}
	if r := cs[0].Slowdown(); r != 1.5 {
		t.Errorf("Slowdown = %v", r)
	}
	var b bytes.Buffer
	if err := WriteComparisons(&b, cs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "1.50×") || !strings.Contains(lines[1], "20.0") ||
		!strings.Contains(lines[2], "110.0") || !strings.HasSuffix(strings.TrimSpace(lines[2]), "-") {
		t.Errorf("table:\n%s", b.String())
	}
}
