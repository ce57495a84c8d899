; errors.scm: refusals and failures, for test-errors.py.
;
; The driver puts a truncated wave.onnx and a dropped-in broken.onnx in a
; folder ahead of the real models.  Each case exports the image as the
; user sees it before and after ("<case>-before.png", "<case>-after.png").

(define image (ns-load-scaled "chelsea.png" 300 200))
(define layer (ns-active-layer image))

(ns-case "unknown" (lambda () (ns-run-watched "unknown" image layer "no-such-style" 1.0)))
(ns-case "truncated" (lambda () (ns-run-watched "truncated" image layer "wave" 1.0)))
(ns-case "corrupt" (lambda () (ns-run-watched "corrupt" image layer "broken" 1.0)))
(ns-case "strength" (lambda () (ns-run-watched "strength" image layer "la_muse" 1.5)))

; A layer at (200, 150) and a selection that misses it.
(define (outside-case)
  (let ((small (car (gimp-layer-new image 50 30 RGB-IMAGE "small" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image small 0 0)
    (gimp-layer-set-offsets small 200 150)
    (gimp-drawable-fill small FILL-WHITE)
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 10 10 40 40)
    (ns-run-watched "outside" image small "la_muse" 1.0)
    (gimp-selection-none image)))
(ns-case "outside" outside-case)

; GIMP 2.10 offers the filter while a layer mask or a channel is active.
(define (mask-case)
  (let ((mask (car (gimp-layer-create-mask layer ADD-MASK-WHITE))))
    (gimp-layer-add-mask layer mask)
    (ns-run-watched "mask" image mask "la_muse" 1.0)
    (gimp-layer-remove-mask layer MASK-DISCARD)))
(ns-case "mask" mask-case)

(define (channel-case)
  (let ((channel (car (gimp-channel-new image 300 200 "channel" 50 '(255 0 0)))))
    (gimp-image-insert-channel image channel 0 0)
    (ns-run-watched "channel" image channel "la_muse" 1.0)
    (gimp-image-remove-channel image channel)))
(ns-case "channel" channel-case)

(define (indexed-case)
  (let* ((indexed (ns-load-scaled "coffee.png" 300 200)))
    (gimp-image-convert-indexed indexed CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 64
                                FALSE FALSE "")
    (ns-fact "indexed.base-type" (car (gimp-image-base-type indexed)))
    (ns-run-watched "indexed" indexed (ns-active-layer indexed) "la_muse" 1.0)))
(ns-case "indexed" indexed-case)

(ns-fact "done" "yes")
