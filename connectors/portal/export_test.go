package portal

// SafeNext is safeNext, for the external tests.
var SafeNext = safeNext
