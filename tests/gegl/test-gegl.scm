; Script-Fu: neural-style:paint appended to a layer (see run-tests, which
; compares the flattened export with the CLI).  ns-tmp is the test folder.

(let* ((image (photo "chelsea.png" 300 200))
       (layer (first-layer image)))
  (file-png-export #:run-mode RUN-NONINTERACTIVE #:image image
                   #:file (string-append ns-tmp "/script-fu-source.png"))
  (gimp-drawable-append-new-filter layer "neural-style:paint" "Neural Style"
                                   LAYER-MODE-REPLACE 0.6 #:style "wave")
  (check (= (vector-length (car (gimp-drawable-get-filters layer))) 1)
         "Script-Fu: gimp-drawable-append-new-filter adds the filter")
  (gimp-image-flatten image)
  (file-png-export #:run-mode RUN-NONINTERACTIVE #:image image
                   #:file (string-append ns-tmp "/script-fu.png"))
  (check #t "Script-Fu: the image flattened and exported"))
(done)
