; kill.scm: the plug-in killed halfway, for test-kill.py.
;
; The driver defines ns-style (a style id or a picture's path) and the
; image's size, ns-width and ns-height (strings), and kills
; gimp-neural-style at the first run's first progress report.
; The second run, on the same image, shows that GIMP still works (and
; how long a whole run takes).

(define image (ns-load-scaled "chelsea.png" (string->number ns-width)
                              (string->number ns-height)))
(define layer (ns-active-layer image))

(gimp-image-clean-all image)
(ns-run-watched "killed" image layer ns-style 0.8)
(ns-fact "killed.dirty" (car (gimp-image-is-dirty image)))
(ns-fact "whole.start" "now")
(ns-run "whole" image layer ns-style 0.8 0 1.0)
(ns-fact "whole.layers-after" (ns-layer-count image))
(ns-fact "done" "yes")
