package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
	"golang.org/x/term"

	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/planner"
)

const shellHelp = `Type SQL statements ending with ';' (they may span lines).
Commands:
  \q, \quit          leave the shell
  \help, \?          this help
  \timing [on|off]   show how long each statement took (default on)
  \format FMT        output format: table, csv or jsonl
  \d                 SHOW TABLES in the current database
  \d TABLE           DESCRIBE TABLE
`

func runShell(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("shell", "sluice [--home DIR] shell [--as ROLE] [--endpoint URL]", g)
	as := fs.String("as", "", "run as this principal (role name or role ARN); default: the data lake administrator")
	endpoint := fs.String("endpoint", "", endpointUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	eng, err := openEngineFor(ctx, g, *endpoint)
	if err != nil {
		return err
	}
	defer eng.Close()
	sess, err := eng.NewSession(ctx, *as)
	if err != nil {
		return err
	}
	return shellLoop(ctx, g, eng, sess)
}

// lineReader abstracts liner (terminal) and a plain scanner (pipes).
type lineReader interface {
	Prompt(p string) (string, error)
	AppendHistory(s string)
	Close() error
}

type plainReader struct{ sc *bufio.Scanner }

func (r plainReader) Prompt(string) (string, error) {
	if r.sc.Scan() {
		return r.sc.Text(), nil
	}
	if err := r.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}
func (plainReader) AppendHistory(string) {}
func (plainReader) Close() error         { return nil }

type linerReader struct {
	l       *liner.State
	history string
}

func (r *linerReader) Prompt(p string) (string, error) { return r.l.Prompt(p) }
func (r *linerReader) AppendHistory(s string)          { r.l.AppendHistory(s) }
func (r *linerReader) Close() error {
	if f, err := os.Create(r.history); err == nil {
		r.l.WriteHistory(f)
		f.Close()
	}
	return r.l.Close()
}

func newLineReader(g *globals, home string) (lineReader, bool) {
	in, ok := g.stdin.(*os.File)
	if ok && term.IsTerminal(int(in.Fd())) && g.stdout == os.Stdout {
		l := liner.NewLiner()
		l.SetCtrlCAborts(true)
		l.SetMultiLineMode(true)
		hist := filepath.Join(home, "history")
		if f, err := os.Open(hist); err == nil {
			l.ReadHistory(f)
			f.Close()
		}
		return &linerReader{l: l, history: hist}, true
	}
	sc := bufio.NewScanner(g.stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	return plainReader{sc: sc}, false
}

func shellLoop(ctx context.Context, g *globals, eng *engine.Engine, sess *engine.Session) error {
	where, histHome := eng.Home(), eng.Home()
	if eng.IsRemote() {
		where, histHome = eng.Endpoint(), g.home
	}
	lr, interactive := newLineReader(g, histHome)
	defer lr.Close()
	if interactive {
		fmt.Fprintf(g.stdout, "sluice shell — lake at %s. \\help for help, \\q to quit.\n", where)
	}
	format, timing := "table", interactive
	var buf strings.Builder
	for {
		prompt := "sluice:" + sess.Database() + "> "
		if buf.Len() > 0 {
			prompt = strings.Repeat(" ", len(prompt)-3) + "-> "
		}
		line, err := lr.Prompt(prompt)
		if errors.Is(err, liner.ErrPromptAborted) {
			buf.Reset()
			continue
		}
		if err == io.EOF {
			if interactive {
				fmt.Fprintln(g.stdout)
			}
			if strings.TrimSpace(buf.String()) != "" {
				runShellSQL(ctx, g, sess, buf.String(), format, timing)
			}
			return nil
		}
		if err != nil {
			return err
		}
		trimmed := strings.TrimSpace(line)
		if buf.Len() == 0 && strings.HasPrefix(trimmed, `\`) {
			lr.AppendHistory(trimmed)
			quit, err := shellCommand(ctx, g, sess, trimmed, &format, &timing)
			if err != nil {
				reportError(g.stderr, err)
			}
			if quit {
				return nil
			}
			continue
		}
		if trimmed == "" && buf.Len() == 0 {
			continue
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		if !statementComplete(buf.String()) {
			continue
		}
		text := buf.String()
		buf.Reset()
		lr.AppendHistory(strings.TrimSpace(text))
		runShellSQL(ctx, g, sess, text, format, timing)
	}
}

// statementComplete reports whether text ends with a ';' outside quotes.
func statementComplete(text string) bool {
	stmts := planner.SplitStatements(text)
	if len(stmts) == 0 {
		return false
	}
	return strings.HasSuffix(strings.TrimSpace(stripTrailingComment(text)), ";")
}

func stripTrailingComment(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for len(lines) > 0 && strings.HasPrefix(strings.TrimSpace(lines[len(lines)-1]), "--") {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func runShellSQL(ctx context.Context, g *globals, sess *engine.Session, text, format string, timing bool) {
	for _, stmt := range planner.SplitStatements(text) {
		if err := runStatement(ctx, sess, stmt, format, g.stdout, g.stderr, timing); err != nil {
			reportError(g.stderr, err)
			return
		}
	}
}

func shellCommand(ctx context.Context, g *globals, sess *engine.Session, cmd string, format *string, timing *bool) (quit bool, err error) {
	fields := strings.Fields(cmd)
	switch fields[0] {
	case `\q`, `\quit`, `\exit`:
		return true, nil
	case `\help`, `\?`, `\h`:
		fmt.Fprint(g.stdout, shellHelp)
	case `\timing`:
		switch {
		case len(fields) == 1:
			*timing = !*timing
		case fields[1] == "on":
			*timing = true
		case fields[1] == "off":
			*timing = false
		default:
			return false, fmt.Errorf(`\timing takes on or off`)
		}
		fmt.Fprintf(g.stdout, "timing %s\n", map[bool]string{true: "on", false: "off"}[*timing])
	case `\format`:
		if len(fields) != 2 {
			return false, fmt.Errorf(`\format takes one of table, csv, jsonl`)
		}
		if _, err := newResultWriter(fields[1], io.Discard); err != nil {
			return false, err
		}
		*format = fields[1]
	case `\d`:
		sql := "SHOW TABLES"
		if len(fields) > 1 {
			sql = "DESCRIBE " + fields[1]
		}
		return false, runStatement(ctx, sess, sql, *format, g.stdout, g.stderr, false)
	default:
		return false, fmt.Errorf(`unknown command %s (\help lists them)`, fields[0])
	}
	return false, nil
}
