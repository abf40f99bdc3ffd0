//go:build !linux

package lf

func threadCPU() int64 { return 0 }
