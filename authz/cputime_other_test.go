//go:build !linux

package authz

func threadCPU() int64 { return 0 }
