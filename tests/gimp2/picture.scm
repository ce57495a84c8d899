; picture.scm: pictures and layers as the style, for test-picture.py.
;
; The driver saved starry_night.jpg as style "my-starry" (with the CLI)
; and wrote "not-a-picture.jpg" (text) into ns-out before GIMP started.
; Each successful case exports its new layer as "<key>.png" and removes it,
; so every case paints the same source.

(define starry (string-append ns-images "/styles/starry_night.jpg"))
(define scream (string-append ns-images "/styles/the_scream.jpg"))
(define image (ns-load-scaled "chelsea.png" 300 200))
(define layer (ns-active-layer image))
(ns-export layer "source.png")

; The style from a second open image's layer, renamed.
(define style-image (car (gimp-file-load RUN-NONINTERACTIVE starry starry)))
(define style-layer (ns-active-layer style-image))
(gimp-item-set-name style-layer "starry layer")
(ns-export style-layer "style-layer.png")

(define (report-new key)
  (ns-fact (string-append key ".layers-after") (ns-layer-count image))
  (let ((painted (ns-layer-above image layer)))
    (ns-report-layer (string-append key ".new") painted)
    (ns-export painted (string-append key ".png"))
    (gimp-image-remove-layer image painted)))

(define (case-7 key style strength)
  (ns-fact (string-append key ".layers-before") (ns-layer-count image))
  (if (ns-run key image layer style strength 0 1.0)
      (report-new key)))

(define (case-9 key style amount style-layer)
  (ns-fact (string-append key ".layers-before") (ns-layer-count image))
  (if (ns-run-picture key image layer style 1.0 0 1.0 amount style-layer)
      (report-new key)))

(define (case-11 key style style-layer mix-style mix)
  (ns-fact (string-append key ".layers-before") (ns-layer-count image))
  (if (ns-run-mix key image layer style 1.0 0 1.0 1.0 style-layer mix-style mix)
      (report-new key)))

; plug-in-neural-style's seven arguments, the style a picture's path
(ns-case "picture" (lambda () (case-7 "picture" starry 0.8)))
; the picture procedure: half the style amount, and a layer as the style
(ns-case "amount" (lambda () (case-9 "amount" starry 0.5 -1)))
(ns-case "layer" (lambda () (case-9 "layer" "" 1.0 style-layer)))
; a style saved from the picture, by its id
(ns-case "saved" (lambda () (case-7 "saved" "my-starry" 1.0)))
; the style amount applies to every style vector: a preset's, a saved style's
(ns-case "preset" (lambda () (case-9 "preset" "starry-night" 1.0 -1)))
(ns-case "preset-amount" (lambda () (case-9 "preset-amount" "starry-night" 0.5 -1)))
(ns-case "saved-amount" (lambda () (case-9 "saved-amount" "my-starry" 0.5 -1)))
; the mix procedure: a preset mixed with a picture, a layer with a preset
(ns-case "mix" (lambda () (case-11 "mix" "starry-night" -1 scream 0.3)))
(ns-case "mix-layer" (lambda () (case-11 "mix-layer" "" style-layer "great-wave" 0.5)))

; Refusals: each leaves the image as it was.
(ns-export-flat image "errors-before.png")
(ns-case "not-picture" (lambda () (case-7 "not-picture" (ns-file "not-a-picture.jpg") 1.0)))
(ns-case "missing" (lambda () (case-7 "missing" (ns-file "no-such-picture.jpg") 1.0)))
(ns-case "both" (lambda () (case-9 "both" starry 1.0 style-layer)))
(ns-case "channel" (lambda () (case-9 "channel" "" 1.0 (car (gimp-image-get-selection image)))))
(ns-case "amount-range" (lambda () (case-9 "amount-range" starry 1.5 -1)))
(ns-case "mix-network" (lambda () (case-11 "mix-network" "wave" -1 "great-wave" 0.5)))
(ns-case "mix-range" (lambda () (case-11 "mix-range" "starry-night" -1 "great-wave" 1.5)))
(ns-fact "errors.layers" (ns-layer-count image))
(ns-export-flat image "errors-after.png")
(ns-export layer "source-after.png")
(ns-fact "done" "yes")
