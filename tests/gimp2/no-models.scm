; no-models.scm: no model installed anywhere, for test-errors.py.

(define image (ns-load-scaled "chelsea.png" 300 200))
(define layer (ns-active-layer image))

(ns-case "default" (lambda () (ns-run-watched "default" image layer "" 1.0)))
(ns-case "named" (lambda () (ns-run-watched "named" image layer "wave" 1.0)))
(ns-fact "done" "yes")
