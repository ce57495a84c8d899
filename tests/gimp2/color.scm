; color.scm: a photo with an embedded colour profile, for test-color.py.
;
; test-color.py leaves adobe.png in ns-out: a photo in Adobe RGB (1998), the
; profile embedded.  GIMP must keep the profile on load (the fixture's gimprc
; says "keep"), and the new layer, exported from that image, carries it.

(define path (ns-file "adobe.png"))
(define image (car (gimp-file-load RUN-NONINTERACTIVE path "adobe.png")))
(define source (ns-active-layer image))
(ns-fact "loaded.profile-bytes" (car (gimp-image-get-color-profile image)))

; Colours kept, then the style's own colours; each new layer lands just
; above the source.
(ns-run "preserve" image source "wave" 1.0 1 1.0)
(ns-export (ns-layer-above image source) "preserve.png")
(ns-run "plain" image source "wave" 1.0 0 1.0)
(ns-export (ns-layer-above image source) "plain.png")
(ns-fact "done" "yes")
