package bench

import (
	"math/rand/v2"
	"strings"
	"sync"
)

// The comment vocabulary, after TPC-H's text grammar (nouns, verbs,
// adjectives, adverbs, prepositions). The generated sentences only need to
// look like dbgen's: English-ish words of similar length and entropy.
var (
	poolNouns = strings.Fields(`foxes ideas theodolites pinto beans instructions dependencies excuses
		platelets asymptotes courts dolphins multipliers sauternes warthogs frets dinos attainments
		somas Tiresias patterns forges braids hockey players frays warhorses dugouts notornis epitaphs
		pearls tithes waters orbits gifts sheaves depths sentiments decoys realms pains grouches escapades`)
	poolVerbs = strings.Fields(`sleep wake are cajole haggle nag use boost affix detect integrate maintain
		nod was lose sublate solve thrash promise engage hinder print x-ray breach eat grow impress mold
		poach serve run dazzle snooze doze unwind kindle play hang believe doubt`)
	poolAdjectives = strings.Fields(`furious sly careful blithe quick fluffy slow quiet ruthless thin close
		dogged daring brave stealthy permanent enticing idle busy regular final ironic even bold silent`)
	poolAdverbs = strings.Fields(`sometimes always never furiously slyly carefully blithely quickly fluffily
		slowly quietly ruthlessly thinly closely doggedly daringly bravely stealthily permanently
		enticingly idly busily regularly finally ironically evenly boldly silently`)
	poolPreps = strings.Fields(`about above according to across after against along alongside of among
		around at atop before behind beneath beside besides between beyond by despite during except for
		from in place of inside instead of into near of on outside over past since through throughout to
		toward under until up upon without with within`)
)

const poolSize = 1 << 20

var (
	poolOnce sync.Once
	pool     string
)

// textPool is a fixed 1 MiB text, the same in every run and for every seed,
// from which comments are cut at random offsets (as dbgen does).
func textPool() string {
	poolOnce.Do(func() {
		r := rand.New(rand.NewPCG(42, 42))
		pick := func(ws []string) string { return ws[r.IntN(len(ws))] }
		var b strings.Builder
		b.Grow(poolSize + 128)
		for b.Len() < poolSize {
			// sentence: [adverb] adjective noun verb [adverb] preposition the adjective noun.
			if r.IntN(2) == 0 {
				b.WriteString(pick(poolAdverbs))
				b.WriteByte(' ')
			}
			b.WriteString(pick(poolAdjectives))
			b.WriteByte(' ')
			b.WriteString(pick(poolNouns))
			b.WriteByte(' ')
			b.WriteString(pick(poolVerbs))
			b.WriteByte(' ')
			if r.IntN(2) == 0 {
				b.WriteString(pick(poolAdverbs))
				b.WriteByte(' ')
			}
			b.WriteString(pick(poolPreps))
			b.WriteString(" the ")
			b.WriteString(pick(poolAdjectives))
			b.WriteByte(' ')
			b.WriteString(pick(poolNouns))
			b.WriteString(". ")
		}
		pool = b.String()[:poolSize]
	})
	return pool
}
