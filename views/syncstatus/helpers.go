package syncstatus

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }

// outcomeClass colours an outcome: ok green, held amber, failures red.
func outcomeClass(outcome string) string {
	switch outcome {
	case "ok":
		return "text-green-800 dark:text-green-300"
	case "held", "running":
		return "text-amber-800 dark:text-amber-300"
	}
	return "text-red-800 dark:text-red-300"
}
