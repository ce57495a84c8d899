; Script-Fu batch tests of plug-in-neural-style in GIMP 3 (see nstest.scm).

(define (test-errors)
  (let* ((image (photo "coffee.png" 120 80))
         (layer (first-layer image)))
    (check-refused image layer "no-such-style" 1.0 "Unknown style 'no-such-style'" 1
                   "Script-Fu: an unknown style is an error, the image unchanged")
    (check-refused image layer "wave" 1.5 "out of range" 1
                   "Script-Fu: strength 1.5 is refused")
    (gimp-image-convert-indexed image CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE
                                16 FALSE FALSE "")
    (check-refused image layer "wave" 1.0 "Convert this indexed image" 1
                   "Script-Fu: an indexed image is refused")))

(define (mean layer)
  (car (gimp-drawable-histogram layer HISTOGRAM-VALUE 0.0 1.0)))

(define (test-happy-path)
  (let* ((image (photo "chelsea.png" 150 100))
         (layer (first-layer image))
         (ok (run-filter image layer "la_muse" 0.7))
         (new (first-layer image)))
    (check ok "Script-Fu: la_muse at strength 0.7 succeeds" ns-error)
    (check (and (= (length (layers image)) 2)
                (string=? (car (gimp-item-get-name new)) "La Muse (Neural Style)"))
           "Script-Fu: a new layer on top, named after the style"
           (car (gimp-item-get-name new)))
    (check (= (car (gimp-layer-get-opacity new)) 70.0)
           "Script-Fu: its opacity is 70")
    (check (and (= (car (gimp-drawable-get-width new)) 150)
                (= (car (gimp-drawable-get-height new)) 100))
           "Script-Fu: it has the source's size")
    (check (> (abs (- (mean new) (mean layer))) 0.02)
           "Script-Fu: it is painted (mean value differs)"
           (string-append "mean " (number->string (mean new))
                          " against " (number->string (mean layer))))))

(define (test-picture-path)
  (let* ((image (photo "coffee.png" 120 80))
         (layer (first-layer image))
         (ok (run-filter image layer
                         (string-append ns-shared "/test-images/styles/wave.jpg") 1.0))
         (new (first-layer image)))
    (check ok "Script-Fu: a picture's path as the style succeeds" ns-error)
    (check (string=? (car (gimp-item-get-name new)) "wave.jpg (Neural Style)")
           "Script-Fu: the new layer is named after the picture"
           (car (gimp-item-get-name new)))))

; The arguments added last, by name: two styles mixed.
(define (test-mix)
  (let* ((image (photo "coffee.png" 120 80))
         (layer (first-layer image))
         (ok (catch #f
                    (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE
                                          #:image image
                                          #:drawables (vector layer)
                                          #:style "starry-night"
                                          #:mix-style "great-wave"
                                          #:mix 0.25)
                    #t))
         (new (first-layer image)))
    (check ok "Script-Fu: starry-night mixed with great-wave succeeds" ns-error)
    (check (string=? (car (gimp-item-get-name new))
                     "The Starry Night 75 % + The Great Wave off Kanagawa 25 % (Neural Style)")
           "Script-Fu: the new layer is named after the mix"
           (car (gimp-item-get-name new)))))

(test-errors)
(test-happy-path)
(test-picture-path)
(test-mix)
(done)
